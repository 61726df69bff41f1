(define (problem blocksworld-p07)
  (:domain blocksworld)
  (:objects b1 b2 b3 b4 b5 - block)
  (:init
    (arm-empty)
    (on-table b2)
    (on b1 b2)
    (on b5 b1)
    (on b3 b5)
    (clear b3)
    (on-table b4)
    (clear b4))
  (:goal
    (and
      (on b1 b4)
      (on b3 b1))))
