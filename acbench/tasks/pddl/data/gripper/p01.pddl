(define (problem gripper-p01)
  (:domain gripper)
  (:objects kitchen hall garden - room ball1 - ball left right - gripper)
  (:init
    (at-robot kitchen)
    (free left)
    (free right)
    (at ball1 kitchen))
  (:goal
    (and
      (at ball1 garden))))
