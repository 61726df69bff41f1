(define (problem gripper-p07)
  (:domain gripper)
  (:objects kitchen hall garden - room ball1 ball2 ball3 - ball left right - gripper)
  (:init
    (at-robot garden)
    (free left)
    (free right)
    (at ball1 garden)
    (at ball2 garden)
    (at ball3 kitchen))
  (:goal
    (and
      (at ball1 kitchen)
      (at ball2 hall)
      (at ball3 hall))))
